"""HTML: the readable text, without scripts, styles or navigation, one section per h1-h3."""

from __future__ import annotations

from byosc.extract import extract_file

PAGE = b"""<!DOCTYPE html>
<html><head><title>CS 140 &ndash; Week 4</title>
<style>p { color: red }</style>
<script>document.write("<h1>injected</h1>");</script></head>
<body>
<nav><a href="/">Home</a> <a href="/syllabus">Syllabus</a></nav>
<h1>Deadlocks</h1>
<p>A deadlock is a <b>cycle</b>
   of waits.</p>
<h2>Conditions</h2>
<ul><li>Mutual exclusion</li><li>Hold and wait</li></ul>
<table><tr><th>Process</th><th>Holds</th></tr><tr><td>P0</td><td>5</td></tr></table>
<h3>Code</h3>
<pre>lock(a);
    lock(b);</pre>
<h4>Aside</h4><p>Tom &amp; Jerry<br>never deadlock.</p>
<noscript>Enable JavaScript.</noscript>
</body></html>
"""


def test_sections_follow_h1_to_h3_headings_with_their_path() -> None:
    extracted = extract_file(PAGE, "week4.html")
    assert extracted.media_type == "text/html"
    assert [(s.heading, s.text) for s in extracted.sections] == [
        ("Deadlocks", "A deadlock is a cycle of waits."),
        ("Deadlocks > Conditions", "Mutual exclusion\nHold and wait\nProcess | Holds\nP0 | 5"),
        (
            "Deadlocks > Conditions > Code",
            "lock(a);\n    lock(b);\nAside\nTom & Jerry\nnever deadlock.",
        ),
    ]


def test_scripts_styles_and_navigation_leave_no_text() -> None:
    text = " ".join(s.text for s in extract_file(PAGE, "week4.html").sections)
    for hidden in ("injected", "color", "Syllabus", "Home", "JavaScript"):
        assert hidden not in text


def test_the_title_comes_from_the_title_element_then_the_first_h1() -> None:
    assert extract_file(PAGE, "week4.html").title == "CS 140 \u2013 Week 4"
    fragment = b"<h1>Paging</h1><p>Frames and pages.</p>"
    assert extract_file(fragment, "paging.html").title == "Paging"


def test_a_fragment_is_html_when_its_name_says_so_and_text_otherwise() -> None:
    fragment = b"<h1>Paging</h1><p>Frames and pages.</p>"
    assert extract_file(fragment, "paging.htm").media_type == "text/html"
    assert extract_file(fragment, "paging.txt").media_type == "text/plain"
