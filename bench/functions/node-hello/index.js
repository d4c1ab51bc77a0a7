// The hello function of the Lambda engine benchmark.
exports.handler = async () => ({ statusCode: 200, body: 'hello' });
