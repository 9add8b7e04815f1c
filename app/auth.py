"""Login: local users (argon2id hashes in the catalog) or an identity provider via ``st.login``.

With ``--auth oidc`` (app argument) the identity provider proves *who* the user is
(``st.user.email``); the catalog's users table still says *what* they may do
(role, clearance, departments): an admin creates the user under the same name
with ``shirube user add``. An IdP user without a local record gets no access.

Logins, failed logins (the name tried, never the password) and logouts are audited
through ``sh.accounts`` (``login`` / ``login_failed`` / ``logout``).

A local login survives a reload (F5) and a new tab: it is given a signed session token
(``sh.sessions``, shirube/login_sessions.py) that the browser keeps in the cookie
``shirube_session``. Streamlit can read cookies (``st.context.cookies``, sent with the
page's connection) but not set them, so the token is written by a one-line script
(``st.html(..., unsafe_allow_javascript=True)``, not iframed: the page's own origin).
The cookie holds no password and no user name; logout revokes the token in the catalog
and clears the cookie. A resumed session is audited as ``login`` (method ``session``).
"""

from __future__ import annotations

import streamlit as st

from base.errors import ShirubeError
from shirube.api import Shirube

from .session import SessionUser
from .ui import guard


def _session_user(u) -> SessionUser:
    return SessionUser(u.name, u.role, int(u.clearance), tuple(u.departments or ()))


COOKIE = "shirube_session"


def read_cookie() -> str | None:
    """The session token the browser sent (tests replace this)."""
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # no browser connection (AppTest)
        return None


def _resume(sh: Shirube) -> str | None:
    """Once per browser session: log in with a valid session cookie (after F5 or in a new tab)."""
    if st.session_state.get("_cookie_checked"):
        return None
    st.session_state["_cookie_checked"] = True
    token = read_cookie()
    if not token:
        return None
    name = None
    with guard():
        name = sh.sessions.user_for(token)
        if name is None:  # tampered, expired or revoked: the browser forgets it
            st.session_state["_cookie_action"] = ("clear", "")
        else:
            sh.accounts.record_login(name, "session")
            st.session_state["user"], st.session_state["_token"] = name, token
    return name


def sync_cookie(sh: Shirube) -> None:
    """Write (after a login) or clear (after a logout) the session cookie in the browser."""
    action = st.session_state.pop("_cookie_action", None)
    if action is None:
        return
    value, age = (action[1], int(sh.sessions.ttl_s)) if action[0] == "set" else ("", 0)
    st.html(f"<script>document.cookie = '{COOKIE}={value}; Path=/; Max-Age={age}; SameSite=Strict'"
            " + (location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)


def current_user(sh: Shirube) -> SessionUser | None:
    """The logged-in user, re-read each run so that a disabled account loses access at once
    (and a session whose token was revoked — a logout in another tab — at once too)."""
    name = st.session_state.get("user") or _resume(sh)
    if not name:
        return None
    u = sh.accounts.get(name)
    token = st.session_state.get("_token")
    if u is None or u.disabled or (token and sh.sessions.user_for(token) != u.name):
        for key in ("user", "_token", "history", "conv_id", "open_src"):
            st.session_state.pop(key, None)
        return None
    return _session_user(u)


def logout(sh: Shirube | None = None, method: str = "password") -> None:
    """Forget the session's user (audited as ``logout`` with the page's engine)."""
    ctx = st.session_state.get("_ctx")
    name = st.session_state.get("user")
    sh = sh if sh is not None else getattr(ctx, "sh", None)
    token = st.session_state.pop("_token", None)
    if sh is not None and name:
        with guard():
            if token:
                sh.sessions.revoke(token)
            sh.accounts.logout(name, method)
    if token:
        st.session_state["_cookie_action"] = ("clear", "")
    for key in ("user", "history", "open_src", "last_batch", "eval_result", "_originals_viewed", "conv_id",
                "_conv_restored", "_conv_del"):
        st.session_state.pop(key, None)
    st.query_params.pop("c", None)


def oidc_logout(sh: Shirube) -> None:
    """The ログアウト button with ``--auth oidc``: audited (method oidc), then ``st.logout``
    ends the identity provider's session."""
    logout(sh, method="oidc")
    st.logout()


def login_form(sh: Shirube) -> None:
    """The ログイン page for local users."""
    st.title("標 Shirube — ログイン")
    st.caption("職員アカウントでログインしてください。アカウントは管理者が作成します。")
    with st.form("login"):
        name = st.text_input("ユーザー名", key="login_name")
        password = st.text_input("パスワード", type="password", key="login_password")
        submitted = st.form_submit_button("ログイン", type="primary")
    if submitted:
        with guard():
            u = sh.accounts.authenticate(name, password)
            if u is None:
                st.error("ユーザー名またはパスワードが正しくありません")
                return
            st.session_state["user"] = u.name
            try:
                token = sh.sessions.issue(u.name)
                st.session_state["_token"], st.session_state["_cookie_action"] = token, ("set", token)
            except ShirubeError:  # e.g. the key file cannot be written: this tab stays logged in
                pass
            st.rerun()


def oidc_login(sh: Shirube) -> SessionUser | None:
    """``st.login`` (OIDC, configured in .streamlit/secrets.toml) mapped onto the local users table."""
    try:
        logged_in = bool(st.user.is_logged_in)
    except Exception:  # no [auth] section in secrets.toml, or Authlib missing
        st.error("OIDC ログインが設定されていません（.streamlit/secrets.toml の [auth] を確認してください）")
        st.stop()
    if not logged_in:
        st.title("標 Shirube — ログイン")
        st.button("組織アカウントでログイン", on_click=st.login, type="primary")
        st.stop()
    claims = {k: st.user.get(k) for k in ("email", "preferred_username")}
    user = user_for_identity(sh, claims)
    if user is None:
        name = identity_name(claims)
        if st.session_state.get("_oidc_refused") != name:  # once per session, not on every rerun
            st.session_state["_oidc_refused"] = name
            known = sh.accounts.get(name) if name else None
            sh.accounts.record_login_failed(name, "oidc", "disabled" if known is not None else "unknown_user")
        st.error(f"「{identity_name(claims)}」には利用権限が割り当てられていません。管理者に連絡してください。")
        st.button("ログアウト", on_click=st.logout)
        st.stop()
    if st.session_state.get("user") != user.name:  # once per session, not on every rerun
        sh.accounts.record_login(user.name, "oidc")
    st.session_state["user"] = user.name
    return user


def identity_name(claims: dict) -> str:
    """The local user name of an IdP identity: its ``email`` claim, else ``preferred_username``."""
    return str(claims.get("email") or claims.get("preferred_username") or "").strip()


def user_for_identity(sh: Shirube, claims: dict) -> SessionUser | None:
    """Map OIDC claims onto the users table (role, clearance, departments); None: no access."""
    name = identity_name(claims)
    u = sh.accounts.get(name) if name else None
    if u is None or u.disabled:
        return None
    return _session_user(u)
