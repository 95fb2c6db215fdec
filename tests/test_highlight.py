"""Code blocks coloured by Pygments: the language from the fence, plain escaped text
otherwise, only the highlighter's classes through the sanitiser, a stylesheet whose
colours read well on the code block, and no crafted block that makes a save slow."""
import re

import pytest

from blog.text.highlight import BLOCK_BACKGROUND, LANGUAGES, MAX_HIGHLIGHTED
from blog.text.markdown import plain_text, render_markdown
from helpers import finishes_within


def test_a_fenced_block_is_coloured_by_its_language():
    html = render_markdown('```python\ndef greet(name):\n    return "hi " + name  # say it\n```')
    assert '<pre tabindex="0"><code class="language-python">' in html
    assert '<span class="k">def</span>' in html and '<span class="nf">greet</span>' in html
    assert '<span class="c1"># say it</span>' in html
    assert plain_text(html) == 'def greet(name): return "hi " + name # say it'


@pytest.mark.parametrize("fence", ["```", "```nonsense", "```<script>", '```"><img src=x>',
                                   "```python" + "x" * 50])
def test_no_or_unknown_language_is_escaped_plain_text(fence):
    html = render_markdown(f"{fence}\n<b>bold</b> & more\n```")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert "<span" not in html and "<b>" not in html and "<img" not in html


def test_inline_code_is_unchanged():
    assert render_markdown("Use `print(x)` here.") == "<p>Use <code>print(x)</code> here.</p>\n"


@pytest.mark.parametrize("markup", [
    '<span class="k" onclick="x()">a</span>', '<span style="color:red">a</span>',
    '<span class="evil k">a</span>', '<div class="k">a</div>',
])
def test_only_the_highlighters_classes_survive(markup):
    # Raw HTML is escaped by the Markdown renderer; the sanitiser is the second line.
    from blog.text.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, _allowed_attribute
    import nh3
    cleaned = nh3.clean(markup, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        attribute_filter=_allowed_attribute)
    assert "onclick" not in cleaned and "style" not in cleaned and "evil" not in cleaned
    assert "<div" not in cleaned


def test_a_post_page_shows_coloured_code_with_the_stylesheet(client, author, make_post):
    make_post(author, title="Code", content="```js\nconst answer = 42;\n```")
    page = client.get("/posts/code").get_data(as_text=True)
    assert '<span class="kd">const</span>' in page
    address = re.search(r'<link rel="stylesheet" href="(/code\.css\?v=[0-9a-f]{12})">', page)
    css = client.get(address.group(1))
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert ".prose pre .kd {" in css.get_data(as_text=True)


def _luminance(hex_colour):
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_colour_reads_well_on_the_code_block(client):
    css = client.get("/code.css").get_data(as_text=True)
    colours = set(re.findall(r"(?<!background-)color: (#[0-9A-Fa-f]{6})", css))
    assert len(colours) >= 8
    background = _luminance(BLOCK_BACKGROUND)
    for colour in colours:
        ratio = (_luminance(colour) + 0.05) / (background + 0.05)
        assert ratio >= 4.5, f"{colour} on {BLOCK_BACKGROUND}: {ratio:.1f}:1"
    # Nothing outside a post's code blocks is restyled.
    assert all(line.startswith(".prose pre") for line in css.splitlines() if line.strip())


CRAFTED = ["'" + "\\" * MAX_HIGHLIGHTED, '"' * MAX_HIGHLIGHTED, "<" * MAX_HIGHLIGHTED,
           "(" * MAX_HIGHLIGHTED, "${" * (MAX_HIGHLIGHTED // 2), ": " * (MAX_HIGHLIGHTED // 2),
           "`" * MAX_HIGHLIGHTED, "a1_" * (MAX_HIGHLIGHTED // 3), "- " * (MAX_HIGHLIGHTED // 2)]


@pytest.mark.slow
def test_crafted_code_blocks_never_make_rendering_slow():
    """The longest post, all crafted code blocks in every coloured language: colouring
    stops at its time budget, so rendering stays within a few seconds."""
    languages = sorted(LANGUAGES)
    blocks = [f"```{languages[i % len(languages)]}\n{CRAFTED[i % len(CRAFTED)]}\n```"
              for i in range(30)]
    text = "\n\n".join(blocks)[:100_000]
    html = finishes_within(10, lambda: render_markdown(text))
    assert html.startswith("<pre tabindex=\"0\"><code class=\"language-bash\">")
