"""Text as the blog reads and shows it: Markdown rendered to safe HTML and
plain-text excerpts (``markdown``), and the analyser that turns text into
the stems search stores and looks up (``analysis``). The models and the
search package both use it; it uses neither.
"""
