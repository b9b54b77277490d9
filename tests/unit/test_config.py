"""Configuration: the example runs as is, unknown keys are named, secrets only come from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.entrypoints.config import ContactSettings, Settings, load_settings, secret
from bot.errors import ConfigError
from tests.helpers import ROOT


def test_example_config_loads_on_embedded_backends() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert (settings.mailbox.backend, settings.smtp.backend) == ("maildir", "files")
    assert settings.storage.dir == ROOT / "demo" / "state"


def test_example_config_documents_every_key_of_the_settings_model() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for section, model in Settings.model_fields.items():
        assert f"[{section}]" in text
        sub = model.annotation
        assert sub is not None
        for key in sub.model_fields:  # type: ignore[union-attr]
            documented = (f"\n{key} = ", f"\n# {key} = ", f"\n[{section}.{key}]")
            assert any(d in text for d in documented), f"{section}.{key} is not documented"


def test_unknown_key_is_an_error_that_names_it(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[mailbox]\nbackend = "maildir"\npasword_env = "X"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"mailbox\.pasword_env: unknown key"):
        load_settings(path)


def test_imap_backend_without_host_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[mailbox]\nbackend = "imap"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"needs mailbox\.host"):
        load_settings(path)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.mailbox.host = "x"  # type: ignore[misc]


def test_secret_comes_from_the_named_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LR_TEST_PW", "app-password")
    monkeypatch.delenv("LR_MISSING", raising=False)
    assert secret("LR_TEST_PW") == "app-password"
    with pytest.raises(ConfigError, match="LR_MISSING is not set"):
        secret("LR_MISSING")


def test_example_config_signs_replies_with_the_letters_contact_and_cites_no_date_it_lacks() -> None:
    settings = load_settings(ROOT / "config.example.toml")

    assert settings.contact == ContactSettings()  # the defaults, which are those the letter gives
    assert (settings.round.letter, settings.round.letter_date) == ("ด่วนที่สุด ที่ มท 0810.7/ว", None)
    assert settings.contact.coordinator == ""  # nobody is named until the operator names the coordinator


def test_an_empty_telephone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[contact]\ntelephone = ""\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"contact\.telephone"):
        load_settings(path)
