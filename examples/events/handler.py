import json


def process(event, context):
    # SNS may deliver several records; each carries one published message.
    for record in event['Records']:
        print('Received message:', record['Sns']['Message'])


def readings(event, context):
    # Report readings that cannot be valid; SQS redelivers only those, then moves them to the DLQ.
    failures = []
    for record in event['Records']:
        reading = json.loads(record['body'])
        if reading.get('temperature', 0) < -273:
            print('Impossible reading from sensor', reading.get('sensor'), reading['temperature'])
            failures.append({'itemIdentifier': record['messageId']})
        else:
            print('Reading from sensor', reading.get('sensor'), reading['temperature'])
    return {'batchItemFailures': failures}
