'use strict';
const { ApiGatewayManagementApiClient, PostToConnectionCommand } = require('@aws-sdk/client-apigatewaymanagementapi');

// On AWS the management endpoint is https://{domainName}/{stage}; Selfless serves it over plain
// HTTP on the API's own port, so the scheme follows where the function runs.
const scheme = process.env.AWS_ENDPOINT_URL?.startsWith('http://') ? 'http' : 'https';
const management = (ctx) =>
  new ApiGatewayManagementApiClient({ endpoint: `${scheme}://${ctx.domainName}/${ctx.stage}` });

// $connect: a name is required (?name=Ada); without one the upgrade is refused.
exports.connect = async (event) => {
  const name = event.queryStringParameters?.name;
  if (!name) return { statusCode: 400, body: 'name is required' };
  console.log(`${name} connected as ${event.requestContext.connectionId}`);
  return { statusCode: 200 };
};

exports.disconnect = async (event) => {
  const ctx = event.requestContext;
  console.log(`${ctx.connectionId} left (${ctx.disconnectStatusCode})`);
  return { statusCode: 200 };
};

exports.sendMessage = async (event) => {
  const ctx = event.requestContext;
  const { text } = JSON.parse(event.body);
  const reply = JSON.stringify({ from: 'server', text: String(text).toUpperCase() });
  await management(ctx).send(new PostToConnectionCommand({ ConnectionId: ctx.connectionId, Data: reply }));
  return { statusCode: 200 };
};

// No route for the message: its body comes back as the route response.
exports.fallback = async (event) => ({ statusCode: 200, body: `unknown action: ${event.body}` });
