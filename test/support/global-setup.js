// Some suites run the built service as a child process: make sure dist/ matches src/.
const { ensureBuild } = require('../../scripts/ensure-build');

module.exports = async () => {
  ensureBuild();
};
