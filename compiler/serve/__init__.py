"""``shipspec serve``: webhook receivers, health and the OpenAPI description, over the
state store (stateless: any number of replicas may share one PostgreSQL)."""
