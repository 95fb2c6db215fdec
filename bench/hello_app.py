"""A bare Flask app answering "hello": the ceiling the blog is measured against."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
