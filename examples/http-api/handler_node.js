'use strict';

module.exports.hello = async (event) => {
  const name = event.pathParameters && event.pathParameters.name;
  if (!name) return { statusCode: 400, body: JSON.stringify({ message: 'name is required' }) };
  return { message: `Hello, ${name}!` };
};
