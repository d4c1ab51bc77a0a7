// summarize: reads a cleaned JSON file and writes a summary (rows, units, revenue) into the reports bucket.
const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');

const s3 = new S3Client({ forcePathStyle: true });

exports.handler = async (event) => {
  for (const record of event.Records) {
    // Keys arrive URL-encoded in S3 events.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const object = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
    const { source, rows, errors } = JSON.parse(await object.Body.transformToString());
    const summary = {
      source,
      rows: rows.length,
      rejected: errors.length,
      units: rows.reduce((n, r) => n + r.quantity, 0),
      revenue: Math.round(rows.reduce((n, r) => n + r.quantity * r.price, 0) * 100) / 100,
    };
    const target = key.replace(/\.json$/, '.summary.json');
    await s3.send(
      new PutObjectCommand({
        Bucket: process.env.REPORTS_BUCKET,
        Key: target,
        Body: JSON.stringify(summary),
        ContentType: 'application/json',
      }),
    );
    console.log(`summarized ${key} -> ${target}: ${JSON.stringify(summary)}`);
  }
};
