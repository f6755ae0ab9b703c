"""The spec language: loading, the models, the JSON Schema and the validation rules."""
