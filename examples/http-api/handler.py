import json


def hello(event, context):
    name = (event.get("pathParameters") or {}).get("name")
    if not name:
        return {"statusCode": 400, "body": json.dumps({"message": "name is required"})}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": "Hello, {}!".format(name)}),
    }
