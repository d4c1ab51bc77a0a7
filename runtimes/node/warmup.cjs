// Loaded by pre-started bootstraps before they are given a function: exercises the CommonJS loader
// so the first require of user code does not pay for its initialisation.
module.exports = function warm() {
  return JSON.stringify({ warm: true });
};
