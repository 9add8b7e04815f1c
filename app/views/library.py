from app.library_page import render
from app.ui import guard

with guard():
    render()
