'use strict';
// enrichLocation: adds location and description to a validated reading, by sensor id.
const sensors = require('./sensors.json');

exports.handler = async (event) => {
  const known = sensors[event.sensorId];
  return {
    ...event,
    location: known ? known.location : 'unknown',
    description: known ? known.description : `sensor ${event.sensorId} is not registered`,
  };
};
