'use strict';

// The same function in Node.js: `npx selfless invoke local -f helloNode -c examples/hello/serverless.yml`.
module.exports.hello = async (event) => {
  return {
    statusCode: 200,
    body: JSON.stringify({
      message: 'Go Serverless! Your function executed successfully!',
      input: event,
    }),
  };
};
