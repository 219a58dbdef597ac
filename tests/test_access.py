"""Who may do what on a shared dashboard: the role decision, the sign-in settings' messages, the gate (AppTest), and
the record of who saved each version."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from components.pages import editor
from timelines import editing
from timelines.access import AccessSettingError, Role, check_sign_in, decide_access, editor_emails, verified_email
from timelines.saving import storage

from conftest import CASES, ROOT

APP = str(ROOT / "dashboard.py")
EDITOR_APP = str(ROOT / "tests" / "apps" / "editor_app.py")
AUTH = {"redirect_uri": "https://board.hospital.org/oauth2callback", "cookie_secret": "x" * 40,
        "client_id": "timelines", "client_secret": "s3cret",
        "server_metadata_url": "https://login.hospital.org/.well-known/openid-configuration"}
SIGN_IN = {"auth": AUTH, "editors": ["Alice@Hospital.org"]}
ALICE = {"is_logged_in": True, "email": "alice@hospital.org", "email_verified": True, "name": "Alice A."}
BOB = {"is_logged_in": True, "email": "bob@hospital.org", "email_verified": True, "name": "Bob B."}


# ---------------------------------------------------------------- the role decision, a pure function

@pytest.mark.parametrize("user, settings, role", [
    (None, {}, Role.EDITOR),                                    # a workstation without sign-in edits
    (None, {"read_only": True}, Role.VIEWER),                   # ... unless it is set read-only
    ({"email": "x@y.org"}, {}, Role.EDITOR),                    # without sign-in, claims are ignored
    (None, SIGN_IN, Role.ANONYMOUS),
    ({"is_logged_in": False}, SIGN_IN, Role.ANONYMOUS),
    ({"email": "alice@hospital.org", "email_verified": True}, SIGN_IN, Role.ANONYMOUS),  # not signed in
    (ALICE, SIGN_IN, Role.EDITOR),                              # listed, matched without regard to case
    ({**ALICE, "email": " ALICE@hospital.org "}, SIGN_IN, Role.EDITOR),
    (BOB, SIGN_IN, Role.VIEWER),                                # signed in, not listed
    ({**ALICE, "email_verified": False}, SIGN_IN, Role.VIEWER),  # an unverified address names nobody
    ({**ALICE, "email_verified": None}, SIGN_IN, Role.VIEWER),
    ({k: v for k, v in ALICE.items() if k != "email_verified"}, SIGN_IN, Role.VIEWER),
    ({**ALICE, "email_verified": "true"}, SIGN_IN, Role.EDITOR),  # some providers send the claim as text
    ({**ALICE, "email_verified": "false"}, SIGN_IN, Role.VIEWER),
    (ALICE, {**SIGN_IN, "read_only": True}, Role.VIEWER),       # read-only wins over the editors list
    (ALICE, {"auth": AUTH}, Role.VIEWER),                       # no editors list: everyone is a viewer
    ({**ALICE, "email": "alice@hospital.org.evil.example"}, SIGN_IN, Role.VIEWER),
])
def test_the_role_follows_sign_in_the_verified_email_and_the_editors_list(user, settings, role):
    assert decide_access(user, settings).role is role


def test_the_access_of_an_editor_names_their_verified_email():
    access = decide_access(ALICE, SIGN_IN)
    assert (access.email, access.name, access.sign_in, access.can_edit) == ("alice@hospital.org", "Alice A.", True, True)
    assert decide_access(None, {}).email is None and decide_access(None, {}).sign_in is False


@pytest.mark.parametrize("user, email", [
    (ALICE, "alice@hospital.org"), ({**ALICE, "email_verified": 1}, None), ({**ALICE, "email": ""}, None),
    ({"email_verified": True}, None), (None, None),
])
def test_only_a_verified_email_counts(user, email):
    assert verified_email(user) == email


@pytest.mark.parametrize("settings, message", [
    ({"editors": "alice@hospital.org"}, "In .streamlit/secrets.toml, editors must be a list of email addresses, "
     "not 'alice@hospital.org'. Hint: editors = [\"alice@hospital.org\", \"bob@hospital.org\"]"),
    ({"editors": ["alice"]}, "In .streamlit/secrets.toml, editors holds 'alice', which is not an email address. "
     "Hint: list each editor by the email their hospital account signs in with"),
])
def test_an_editors_setting_that_is_not_a_list_of_emails_is_explained(settings, message):
    with pytest.raises(AccessSettingError) as raised:
        editor_emails(settings)
    assert str(raised.value) == message


@pytest.mark.parametrize("auth, message", [
    ({**AUTH, "cookie_secret": ""}, "Sign-in is configured in .streamlit/secrets.toml but lacks cookie_secret."),
    ({"redirect_uri": AUTH["redirect_uri"], "cookie_secret": "x", "hospital": {"client_id": "c"}},
     "but lacks client_secret (in [auth.hospital]), server_metadata_url (in [auth.hospital])."),
    ({**AUTH, "redirect_uri": "https://board.hospital.org/"},
     "redirect_uri is 'https://board.hospital.org/'; it must end in /oauth2callback."),
    ({**AUTH, "editors": ["alice@hospital.org"]}, "editors is inside the [auth] section. Hint: move the line "
     "editors = [...] above the line [auth]"),
])
def test_sign_in_settings_that_cannot_work_say_what_to_fix(auth, message):
    with pytest.raises(AccessSettingError) as raised:
        check_sign_in({"auth": auth})
    assert message.rstrip(".") in str(raised.value)


def test_complete_sign_in_settings_pass_with_one_or_several_named_providers():
    check_sign_in(SIGN_IN)
    named = {k: v for k, v in AUTH.items() if k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    check_sign_in({"auth": {**named, "hospital": provider, "research": provider}})


# ---------------------------------------------------------------- the gate, headless

def open_dashboard(settings: dict, user: dict, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in settings.items():
        at.secrets[key] = value
    at.user = user
    if page:
        at.query_params["page"] = page
    return at.run()


def plain(markdown: str) -> str:
    """What a reader sees of escaped Markdown (escapes and the word joiner that keeps an address unlinked gone)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def page_options(at: AppTest) -> list[str]:
    return list(at.sidebar.segmented_control(key="page").options)


@pytest.mark.usefixtures("fresh_cache")
def test_an_anonymous_visitor_sees_the_sign_in_screen_and_no_case():
    at = open_dashboard(SIGN_IN, {"is_logged_in": False})
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert "sign in with your hospital account" in at.info[0].value
    assert not at.sidebar.radio and not at.sidebar.selectbox and not at.header  # no case list, no case
    assert not at.sidebar.get("button_group")


@pytest.mark.usefixtures("fresh_cache")
def test_a_viewer_sees_the_cases_but_not_the_editor_even_by_its_address():
    at = open_dashboard(SIGN_IN, BOB, page="editor")
    assert not at.exception
    assert page_options(at) == ["Case", "Tumor board", "Cohort"]
    assert not at.text_area and at.query_params["page"] in ("case", ["case"])
    assert at.sidebar.selectbox(key="case_picker").options  # the cases are there
    assert "Signed in as **bob@hospital.org** · viewer: sees the cases" in [plain(c.value) for c in at.sidebar.caption]
    assert [b.label for b in at.sidebar.button] == ["Sign out"]


@pytest.mark.usefixtures("fresh_cache")
def test_an_editor_listed_by_email_gets_the_editor_page():
    at = open_dashboard(SIGN_IN, ALICE, page="editor")
    assert not at.exception
    assert "Editor" in page_options(at)
    assert at.title[0].value == "Case editor"


@pytest.mark.usefixtures("fresh_cache")
def test_half_configured_sign_in_lets_nobody_in_and_says_what_is_missing():
    at = open_dashboard({"auth": {**AUTH, "client_secret": ""}}, ALICE)
    assert not at.exception
    assert plain(at.error[0].value).startswith("Sign-in is configured in .streamlit/secrets.toml but lacks client_secret")
    assert not at.sidebar.radio and not at.button


@pytest.mark.usefixtures("fresh_cache")
def test_without_sign_in_the_read_only_setting_still_hides_the_editor():
    assert "Editor" in page_options(open_dashboard({}, {}))
    assert "Editor" not in page_options(open_dashboard({"read_only": True}, {}))


# ---------------------------------------------------------------- who saved each version

@pytest.fixture
def cases_dir(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(CASES / "_template.yaml", folder / "_template.yaml")
    return folder


def template_case(case_id: str) -> str:
    text = (CASES / "_template.yaml").read_text(encoding="utf-8")
    return editing.with_top_level(text, "id", case_id)


def test_every_save_records_who_saved_it_newest_first(cases_dir):
    text = template_case("mine")
    first = storage.save_case(cases_dir, "mine", text, expected_fingerprint=None, allow_new=True,
                              saved_by="alice@hospital.org")
    second = storage.save_case(cases_dir, "mine", text + "\n# reviewed\n", expected_fingerprint=first.fingerprint,
                               saved_by=None)
    records = storage.saves(cases_dir, "mine")
    assert [(r.saved_by, r.draft, r.fingerprint) for r in records] == [
        (None, False, second.fingerprint), ("alice@hospital.org", False, first.fingerprint)]
    log = (cases_dir / ".history" / "mine" / "saves.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(row)["by"] for row in log] == ["alice@hospital.org", None]
    backup = storage.history(cases_dir, "mine")[0]
    assert storage.author_of(records, backup).saved_by == "alice@hospital.org"  # the replaced version was hers


def test_a_link_planted_as_the_save_log_is_replaced_not_written_through(cases_dir, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    history = cases_dir / ".history" / "mine"
    history.mkdir(parents=True)
    (history / "saves.jsonl").symlink_to(outside)
    storage.save_case(cases_dir, "mine", template_case("mine"), expected_fingerprint=None, allow_new=True,
                      saved_by="alice@hospital.org")
    assert outside.read_text() == "keep me\n"
    assert [r.saved_by for r in storage.saves(cases_dir, "mine")] == ["alice@hospital.org"]


def test_the_save_log_keeps_the_newest_saves_and_skips_unreadable_lines(cases_dir, monkeypatch):
    monkeypatch.setattr(storage, "SAVES_KEPT", 3)
    text = template_case("mine")
    result = storage.save_case(cases_dir, "mine", text, expected_fingerprint=None, allow_new=True, saved_by="a@h.org")
    log = cases_dir / ".history" / "mine" / "saves.jsonl"
    log.write_text(log.read_text() + "not json\n")
    for i, who in enumerate(["b@h.org", "c@h.org", "d@h.org"]):
        result = storage.save_case(cases_dir, "mine", text + f"# {i}\n", expected_fingerprint=result.fingerprint,
                                   saved_by=who)
    assert [r.saved_by for r in storage.saves(cases_dir, "mine")] == ["d@h.org", "c@h.org", "b@h.org"]


@pytest.mark.usefixtures("fresh_cache")
def test_the_editor_saves_as_the_signed_in_editor_and_its_history_names_them(cases_dir):
    at = AppTest.from_file(EDITOR_APP, default_timeout=60)
    at.secrets["cases_dir"] = str(cases_dir)
    at.secrets["saved_by"] = "alice@hospital.org"
    at.run()
    at.text_input(key="editor_new_title").set_value("Mine").run()
    at.text_input(key="editor_new_id").set_value("mine")
    at.button(key="editor_new").click().run()
    template = (ROOT / "cases" / "_template.yaml").read_text(encoding="utf-8")  # a new case's FILL-INs filled in
    at.text_area(key=editor.TEXT).set_value(editing.with_top_level(template, "id", "mine")).run()
    at.button(key="editor_save").click().run()
    assert "Saved mine.yaml as alice@hospital.org." in [plain(s.value) for s in at.success]
    at.text_area(key=editor.TEXT).set_value(at.text_area(key=editor.TEXT).value + "# reviewed\n").run()
    at.button(key="editor_save").click().run()
    shown = "\n".join(plain(m.value) for m in at.markdown)
    assert "· saved by alice@hospital.org" in shown
    assert [r.saved_by for r in storage.saves(cases_dir, "mine")] == ["alice@hospital.org", "alice@hospital.org"]
    labels = at.selectbox(key="editor_history_choice").options
    assert labels[0].endswith("· written by alice@hospital.org")


def test_the_readmes_sign_in_settings_are_complete_and_make_its_editors_editors():
    import tomllib

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("Running it for several users:"):]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    settings = tomllib.loads("\n".join(line[2:] for line in example.splitlines()))
    check_sign_in(settings)
    assert decide_access({**BOB, "email": "Bob@hospital.org"}, settings).role is Role.EDITOR
    assert decide_access({**ALICE, "email": "carol@hospital.org"}, settings).role is Role.VIEWER
