// Five small handlers sharing one module, as a typical CRUD service has them.
const json = (statusCode, body) => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

module.exports.hello = async () => json(200, { message: 'hello from the dev-start benchmark' });
module.exports.listItems = async () => json(200, { items: [] });
module.exports.getItem = async (event) => json(200, { id: event.pathParameters?.id });
module.exports.createItem = async (event) => json(201, { created: event.body ?? null });
module.exports.deleteItem = async (event) => json(200, { deleted: event.pathParameters?.id });
