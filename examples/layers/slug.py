"""A URL slug of the event's title, made by the shared textkit layer."""
import textkit


def handler(event, context):
    return {"slug": textkit.slugify(event.get("title", "")), "textkit": textkit.__version__}
