// ~80 B of JSON and a counter in module state, as in the reference measurements.
let calls = 0;

module.exports.hello = async () => {
  calls += 1;
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: 'hello from the benchmark', calls }),
  };
};
