"""clean: validates an uploaded CSV (header `item,quantity,price`) and writes the good rows as JSON."""
import csv
import io
import json
import os
from urllib.parse import unquote_plus

import boto3
from botocore.config import Config

# Older boto3 releases ignore AWS_ENDPOINT_URL; passing it keeps one code path for AWS and Selfless.
s3 = boto3.client(
    "s3",
    endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
    config=Config(s3={"addressing_style": "path"}),
)

REQUIRED = ["item", "quantity", "price"]


def parse_row(row, line):
    """One CSV row as a record, or the reason it is rejected."""
    try:
        quantity = int(row["quantity"])
        price = float(row["price"])
    except (TypeError, ValueError):
        return None, f"line {line}: quantity must be an integer and price a number"
    if not row["item"]:
        return None, f"line {line}: item is empty"
    if quantity < 0 or price < 0:
        return None, f"line {line}: quantity and price must not be negative"
    return {"item": row["item"], "quantity": quantity, "price": price}, None


def handler(event, context):
    written = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        # Keys arrive URL-encoded in S3 events ("my file.csv" is "my+file.csv").
        key = unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        reader = csv.DictReader(io.StringIO(body))
        if reader.fieldnames is None or any(c not in reader.fieldnames for c in REQUIRED):
            print(f"rejected {key}: the header must name {', '.join(REQUIRED)}")
            continue
        rows, errors = [], []
        for line, row in enumerate(reader, start=2):
            parsed, error = parse_row(row, line)
            if error:
                errors.append(error)
            else:
                rows.append(parsed)
        target = key.rsplit(".", 1)[0] + ".json"
        s3.put_object(
            Bucket=os.environ["CLEAN_BUCKET"],
            Key=target,
            Body=json.dumps({"source": key, "rows": rows, "errors": errors}).encode("utf-8"),
            ContentType="application/json",
        )
        print(f"cleaned {key}: {len(rows)} rows, {len(errors)} rejected -> {target}")
        written.append(target)
    return {"written": written}
