"""Who may do what on a shared dashboard: the role of a user, decided from the site's settings alone."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

# What a provider section of [auth] needs (Streamlit's st.login, OpenID Connect): the site's client at the
# hospital's identity provider, and where the provider describes itself.
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
SHARED_KEYS = ("redirect_uri", "cookie_secret")
CALLBACK_PATH = "/oauth2callback"


class Role(str, enum.Enum):
    """What a user of the dashboard may do."""

    ANONYMOUS = "anonymous"  # sign-in is on and nobody is signed in: the sign-in screen only
    VIEWER = "viewer"        # sees the cases; no Editor page, nothing written
    EDITOR = "editor"        # sees the cases and the Editor, and saves


@dataclass(frozen=True)
class Access:
    """The decision for one browser session.

    Attributes
    ----------
    role : Role
        What the user may do.
    email : str or None
        The signed-in user's verified email: who a save is recorded as. None without sign-in.
    name : str or None
        The name the provider gives, to greet the user.
    sign_in : bool
        Whether the site turned sign-in on (an ``[auth]`` section in .streamlit/secrets.toml).
    """

    role: Role
    email: str | None = None
    name: str | None = None
    sign_in: bool = False

    @property
    def can_edit(self) -> bool:
        return self.role is Role.EDITOR


class AccessSettingError(ValueError):
    """A sign-in setting the dashboard cannot use; it then shows no case to anyone until it is fixed."""


def sign_in_configured(settings: Mapping[str, object]) -> bool:
    """Whether the site turned sign-in on: an ``[auth]`` section in .streamlit/secrets.toml.

    Parameters
    ----------
    settings
        The deployment settings (the contents of .streamlit/secrets.toml).

    Returns
    -------
    bool
        True when an ``auth`` table is present, even an incomplete one (then `check_sign_in` says what is
        missing, and nobody gets in).
    """
    return "auth" in settings


def check_sign_in(settings: Mapping[str, object]) -> None:
    """Raise AccessSettingError naming what is missing or wrong in the sign-in settings; None when usable.

    Parameters
    ----------
    settings
        The deployment settings, with an ``auth`` table.
    """
    auth = settings.get("auth")
    if not isinstance(auth, Mapping):
        raise AccessSettingError("In .streamlit/secrets.toml, auth must be a table. Hint: write the settings "
                                 "under a line [auth], as the README shows")
    missing = [key for key in SHARED_KEYS if not auth.get(key)]
    providers = login_providers(auth)
    sections = [auth] if providers == [None] else [auth[p] for p in providers]
    for name, section in zip(providers, sections):
        where = "[auth]" if name is None else f"[auth.{name}]"
        missing += [f"{key} (in {where})" for key in PROVIDER_KEYS if not section.get(key)]
    if missing:
        raise AccessSettingError(f"Sign-in is configured in .streamlit/secrets.toml but lacks {', '.join(missing)}. "
                                 "Hint: copy the client id, client secret and metadata URL your identity team "
                                 "registered for this dashboard, as the README shows")
    if not str(auth["redirect_uri"]).rstrip("/").endswith(CALLBACK_PATH):
        raise AccessSettingError(f"In .streamlit/secrets.toml, redirect_uri is {auth['redirect_uri']!r}; it must "
                                 f"end in {CALLBACK_PATH}. Hint: write the dashboard's address followed by "
                                 f"{CALLBACK_PATH}, e.g. 'https://tumorboard.hospital.org{CALLBACK_PATH}'")
    if "editors" in auth and "editors" not in settings:
        raise AccessSettingError("In .streamlit/secrets.toml, editors is inside the [auth] section. Hint: move the "
                                 "line editors = [...] above the line [auth]")
    editor_emails(settings)


def login_providers(auth: Mapping[str, object]) -> list[str | None]:
    """The providers to offer: [None] for the one provider written in [auth] itself (st.login()), else the name
    of each [auth.<name>] section (st.login(name))."""
    if any(key in auth for key in PROVIDER_KEYS):
        return [None]
    return [name for name, value in auth.items() if isinstance(value, Mapping)] or [None]


def editor_emails(settings: Mapping[str, object]) -> frozenset[str]:
    """The emails of the users who may edit and save (``editors = [...]`` in .streamlit/secrets.toml), lowercased.

    Parameters
    ----------
    settings
        The deployment settings.

    Returns
    -------
    frozenset of str
        Empty when the setting is absent: everyone signed in is a viewer.

    Raises
    ------
    AccessSettingError
        When ``editors`` is not a list of email addresses.
    """
    value = settings.get("editors", [])
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise AccessSettingError(f"In .streamlit/secrets.toml, editors must be a list of email addresses, not "
                                 f"{value!r}. Hint: editors = [\"alice@hospital.org\", \"bob@hospital.org\"]")
    wrong = [item for item in value if not isinstance(item, str) or "@" not in item]
    if wrong:
        raise AccessSettingError(f"In .streamlit/secrets.toml, editors holds {wrong[0]!r}, which is not an email "
                                 "address. Hint: list each editor by the email their hospital account signs in with")
    return frozenset(item.strip().lower() for item in value)


def verified_email(user: Mapping[str, object] | None) -> str | None:
    """The user's email, lowercased, when the provider says it verified it (the ``email_verified`` claim of
    OpenID Connect Core §5.1); None otherwise: an address a user could type in themselves names nobody."""
    if not user:
        return None
    email = user.get("email")
    verified = user.get("email_verified")
    if isinstance(verified, str):  # some providers send the claim as the text "true"
        verified = verified.strip().lower() == "true"
    if verified is not True or not isinstance(email, str) or "@" not in email:
        return None
    return email.strip().lower()


def decide_access(user: Mapping[str, object] | None, settings: Mapping[str, object]) -> Access:
    """The role of a browser session, from who signed in (``st.user``) and the site's settings.

    Parameters
    ----------
    user
        The identity claims of the session (``st.user.to_dict()``): ``is_logged_in``, ``email``,
        ``email_verified``, ``name``. Ignored when sign-in is off.
    settings
        The deployment settings: ``auth`` (sign-in on), ``editors`` (verified emails that may edit),
        ``read_only`` (nobody edits, with or without sign-in).

    Returns
    -------
    Access
        Without sign-in: an editor, or a viewer when ``read_only`` is set (a single-user workstation).
        With sign-in: anonymous until signed in; an editor when the verified email is listed in ``editors``
        and ``read_only`` is not set; a viewer otherwise.

    Raises
    ------
    AccessSettingError
        When ``editors`` is not a list of email addresses.
    """
    read_only = bool(settings.get("read_only", False))
    if not sign_in_configured(settings):
        return Access(Role.VIEWER if read_only else Role.EDITOR)
    editors = editor_emails(settings)
    if not user or user.get("is_logged_in") is not True:
        return Access(Role.ANONYMOUS, sign_in=True)
    email = verified_email(user)
    name = user.get("name") if isinstance(user.get("name"), str) else None
    role = Role.EDITOR if email in editors and not read_only else Role.VIEWER
    return Access(role, email=email, name=name, sign_in=True)
