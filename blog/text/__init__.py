"""Text as the blog reads, stores and shows it: Markdown rendered to safe HTML
and plain-text excerpts (``markdown``), the analyser that turns text into the
stems search stores and looks up (``analysis``), control characters stripped
before anything is stored (``normalise``), and word-level differences between
two versions (``diff``). The models, search and the admin pages use it; it
uses none of them.
"""
