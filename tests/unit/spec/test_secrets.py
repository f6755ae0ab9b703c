"""What counts as a literal secret, and what must not be mistaken for one."""

from __future__ import annotations

import pytest

from compiler.spec.secrets import find_literal_secrets, is_secret_setting_name, secret_kind

LEAKS = [
    "Server=tcp:db.database.windows.net;Database=x;User ID=app;Password=hunter2;",
    "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc123==;",
    "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=abc=",
    "postgres://app:s3cret@db.example.com:5432/app",
    "-----BEGIN RSA PRIVATE KEY-----",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "AKIAIOSFODNN7EXAMPLE",
    "xoxb-123456789012-abcdefghij",
    "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst",
    "contoso.redis.cache.windows.net:6380,password=abc123,ssl=True",
    "https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=abcdefghijklmnop1234%3D",
    "sk_live_abcdefghijklmnop1234",
    "x-otlp-api-key=abcdef123456",
]
HARMLESS = [
    "Server=tcp:db.database.windows.net;Database=x;Authentication=Active Directory Default",
    "https://payments.contoso.com/health",
    "api://payments",
    "EUR",
    "[Payments]\\Release Managers",
    "payments-db-connection",
    "postgres://app:${DB_PASSWORD}@db.example.com/app",
    "DefaultAzureCredential",
]


@pytest.mark.parametrize("value", LEAKS)
def test_leaks_are_recognised(value: str) -> None:
    assert secret_kind(value)


@pytest.mark.parametrize("value", HARMLESS)
def test_ordinary_values_pass(value: str) -> None:
    assert secret_kind(value) is None


@pytest.mark.parametrize(
    "name", ["Smtp__Password", "STRIPE_API_KEY", "Auth__ClientSecret", "TOKEN"]
)
def test_secret_setting_names(name: str) -> None:
    assert is_secret_setting_name(name)


@pytest.mark.parametrize(
    "name", ["Auth__TokenAudience", "Payments__Currency", "PasswordPolicy__MinLength"]
)
def test_ordinary_setting_names(name: str) -> None:
    assert not is_secret_setting_name(name)


def test_findings_never_carry_the_value() -> None:
    data = {"spec": {"env": {"Db__Password": "hunter2", "X": "postgres://a:hunter2@h/db"}}}
    findings = list(find_literal_secrets(data))
    assert len(findings) == 2
    assert all("hunter2" not in reason for _, reason in findings)


@pytest.mark.parametrize(
    "value", [True, 1, "false", "${SMTP_PASSWORD}", "$(SmtpPassword)", "#{Smtp.Password}#"]
)
def test_flags_numbers_and_placeholders_are_not_secrets(value: object) -> None:
    data = {"env": {"REQUIRE_PASSWORD": value}}
    assert list(find_literal_secrets(data)) == []
