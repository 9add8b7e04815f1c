from app.ask_page import render
from app.ui import guard

with guard():
    render()
