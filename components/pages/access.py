"""Sign-in on a shared server: the sign-in screen, who is signed in, and the gate every page passes."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from timelines.access import (
    Access,
    AccessSettingError,
    Role,
    check_sign_in,
    decide_access,
    login_providers,
    sign_in_configured,
)
from timelines.text import escape_markdown

ROLE_TEXT = {Role.EDITOR: "editor: may edit and save cases", Role.VIEWER: "viewer: sees the cases"}


def site_settings() -> Mapping[str, object]:
    """The deployment settings (.streamlit/secrets.toml); empty without the file."""
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets file at all: a single-user workstation
        return {}


def access_gate(settings: Mapping[str, object] | None = None) -> Access | None:
    """Who this session is and what it may do; None when the page must stop here (the sign-in screen, or sign-in
    settings that cannot be used, shown instead of any case).

    Parameters
    ----------
    settings
        The deployment settings; by default read from .streamlit/secrets.toml.
    """
    settings = site_settings() if settings is None else settings
    try:
        if sign_in_configured(settings):
            check_sign_in(settings)
        access = decide_access(_user(), settings)
    except AccessSettingError as error:  # fails closed: a half-configured sign-in lets nobody in
        st.error(escape_markdown(str(error)) + ".")
        return None
    if access.role is Role.ANONYMOUS:
        sign_in_screen(settings)
        return None
    if access.sign_in:
        account_panel(access)
    return access


def _user() -> dict:
    try:
        return st.user.to_dict()
    except Exception:  # no user information in this run (sign-in off)
        return {}


def sign_in_screen(settings: Mapping[str, object]) -> None:
    """What an anonymous visitor sees: what this is and how to sign in; no case, no case list."""
    st.title("Oncology timelines")
    st.info("This dashboard is shared: sign in with your hospital account to see the cases.")
    for provider in login_providers(settings["auth"]):
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        st.button(label, key=f"sign_in_{provider or 'default'}", type="primary", on_click=st.login,
                  args=() if provider is None else (provider,))


def account_panel(access: Access) -> None:
    """The signed-in user and their role at the top of the sidebar, with a way to sign out."""
    who = access.email or access.name or "your account"
    text = f"Signed in as **{escape_markdown(who)}** · {ROLE_TEXT[access.role]}"
    if access.email is None:
        text += " (your account gave no verified email, so it cannot be an editor)"
    st.sidebar.caption(text)
    st.sidebar.button("Sign out", key="sign_out", on_click=st.logout)
