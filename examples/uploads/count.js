// count: runs every minute and reports how many objects each bucket of the pipeline holds.
const { S3Client, ListObjectsV2Command } = require('@aws-sdk/client-s3');

const s3 = new S3Client({ forcePathStyle: true });

async function countObjects(bucket) {
  let count = 0;
  let token;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    count += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return count;
}

exports.handler = async (event) => {
  const counts = {};
  for (const name of ['INCOMING_BUCKET', 'CLEAN_BUCKET', 'REPORTS_BUCKET']) counts[process.env[name]] = await countObjects(process.env[name]);
  console.log(`object counts at ${event.time}: ${JSON.stringify(counts)}`);
  return counts;
};
