"""textkit: the small text helpers the layers example shares between functions."""
import re
import unicodedata
from collections import Counter

__version__ = "1.0.0"

_WORD = re.compile(r"[\w']+")


def words(text):
    """The words of a text, lower-cased."""
    return [w.lower() for w in _WORD.findall(text)]


def word_count(text):
    """How many words a text has."""
    return len(words(text))


def top_words(text, n):
    """The n most frequent words with their counts, most frequent first (ties by first use)."""
    return [[w, c] for w, c in Counter(words(text)).most_common(n)]


def slugify(title):
    """ASCII, lower-case, hyphen-separated: 'Héllo, World!' -> 'hello-world'."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(words(ascii_text.replace("'", " ")))
