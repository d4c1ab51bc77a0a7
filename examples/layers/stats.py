"""Word statistics of the event's text, computed by the shared textkit layer."""
import textkit


def handler(event, context):
    text = event.get("text", "")
    return {
        "words": textkit.word_count(text),
        "top": textkit.top_words(text, 3),
        "textkit": textkit.__version__,
    }
