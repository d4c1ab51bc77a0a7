"""The hello function of the Lambda engine benchmark."""


def hello(event, context):
    return {"statusCode": 200, "body": "hello"}
