"""標 Shirube — the Streamlit app.

    streamlit run app/main.py -- --home .shirube [--sources samples/]

Pages depend on the logged-in user's role: 質問 and 文書ライブラリ (everyone), アップロード
(登録担当・管理者), 管理 (管理者). Every library call gets the user's access
filter, so nobody sees a document above their clearance.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # `streamlit run app/main.py` puts app/ first, not the repo
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from app import auth, state  # noqa: E402
from app.session import Context  # noqa: E402
from app.ui import guard, japanese_chrome  # noqa: E402
from shirube.api import has_role  # noqa: E402

st.set_page_config(page_title="標 Shirube", page_icon=":material/bookmark:", layout="wide")
japanese_chrome()  # Streamlit's own English (skip link) in Japanese, on every page

cfg = state.app_config()
sh = None
with guard("データを開けません"):
    sh = state.engine(cfg.home)
if sh is None:
    st.stop()

user = auth.oidc_login(sh) if cfg.auth == "oidc" else auth.current_user(sh)
auth.sync_cookie(sh)  # after a login or logout of this session: the browser's session cookie
if user is None:
    st.session_state.pop("_ctx", None)
    nav = st.navigation([st.Page(lambda: auth.login_form(sh), title="ログイン", icon=":material/login:", url_path="login")])
    nav.run()
    st.stop()

st.session_state["_ctx"] = Context(cfg, sh, user, user.access)
pages = [st.Page("views/ask.py", title="質問", icon=":material/chat:", default=True)]
pages.append(st.Page("views/library.py", title="文書ライブラリ", icon=":material/library_books:"))
if has_role(user.role, "clerk"):
    pages.append(st.Page("views/upload.py", title="アップロード", icon=":material/upload_file:"))
if has_role(user.role, "admin"):
    pages.append(st.Page("views/admin.py", title="管理", icon=":material/admin_panel_settings:"))

with st.sidebar:
    st.markdown(f"**{user.name}**（{user.role_label}）")
    st.caption(f"閲覧可能な機密性: {user.clearance}まで　所属: {'、'.join(user.departments) or 'なし'}")
    if cfg.auth == "oidc":
        st.button("ログアウト", on_click=auth.oidc_logout, args=(sh,), key="logout")
    elif st.button("ログアウト", key="logout"):
        auth.logout()
        st.rerun()

st.navigation(pages).run()
