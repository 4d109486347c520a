from collections.abc import Iterator

from byosc.llm.stops import StopScanner, cut_at_stop, stop_prefix_length, until_stop

STOPS = ("<source", "</source")
# What the bundled model wrote in a demo answer once it ran out of things to say.
LEAKED = 'A process has five states [1].\n</source>\n<source n="5" from="Lecture 9">\nMore'


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_text_ends_before_the_first_stop_string() -> None:
    assert cut_at_stop(LEAKED, STOPS) == ("A process has five states [1].\n", True)
    assert cut_at_stop("No markup here.", STOPS) == ("No markup here.", False)


def test_a_tail_that_may_grow_into_a_stop_string_is_measured() -> None:
    assert stop_prefix_length("states [1].\n</sou", STOPS) == len("</sou")
    assert stop_prefix_length("a < b", STOPS) == 0
    assert stop_prefix_length("so <", STOPS) == 1


def test_a_stream_never_shows_part_of_a_stop_string_however_it_is_split() -> None:
    for size in range(1, len(LEAKED) + 1):
        scanner = StopScanner(STOPS)
        shown = [scanner.feed(piece) for piece in _pieces(LEAKED, size)]
        shown.append(scanner.finish())
        assert "".join(shown) == "A process has five states [1].\n", size
        assert scanner.stopped


def test_a_held_tail_that_never_becomes_a_stop_string_is_shown_at_the_end() -> None:
    scanner = StopScanner(STOPS)
    assert scanner.feed("if a <") == "if a "
    assert scanner.feed("/so") == ""
    assert scanner.finish() == "</so"
    assert not scanner.stopped


def test_until_stop_reads_no_further_than_the_stop_string() -> None:
    read: list[str] = []

    def generated() -> Iterator[str]:
        for piece in ["Paging [1].", " <sour", "ce n=", '"5">', " invented"]:
            read.append(piece)
            yield piece

    assert "".join(until_stop(generated(), STOPS)) == "Paging [1]. "
    assert read == ["Paging [1].", " <sour", "ce n="]
