from __future__ import annotations

from pathlib import Path

from mdfollow.links import contact_id
from mdfollow.state import ensure_state_dir, state_dir, vault_id


def test_state_lives_outside_the_vault_under_xdg_state_home(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    folder = state_dir(vault, {"XDG_STATE_HOME": str(tmp_path / "st")})
    assert folder == tmp_path / "st" / "mdfollow" / vault_id(vault)
    assert vault not in folder.parents


def test_state_folder_is_private_when_made(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    folder = ensure_state_dir(vault, {"XDG_STATE_HOME": str(tmp_path / "st")})
    assert folder.is_dir()
    assert folder.stat().st_mode & 0o777 == 0o700


def test_vault_id_names_the_folder_not_the_path(tmp_path: Path) -> None:
    one, two = tmp_path / "Private Notes", tmp_path / "other"
    assert vault_id(one) != vault_id(two)
    assert "Private" not in vault_id(one) and len(vault_id(one)) == 16


def test_contact_id_is_stable_and_free_of_the_name() -> None:
    assert contact_id("People/Jane Doe.md") == contact_id("People/Jane Doe.md")
    assert contact_id("People/Jane Doe.md") != contact_id("Work/Jane Doe.md")
    assert "Jane" not in contact_id("People/Jane Doe.md")
