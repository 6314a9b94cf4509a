// Writes dist/openapi.json (postbuild): the OpenAPI document of the controllers and DTOs.
//
// The sources are compiled once more, into a scratch directory, with @nestjs/swagger's CLI plugin:
// it gives each DTO its schema from the property types and class-validator decorators. The plugin
// makes every DTO file load @nestjs/swagger, so the service's own build (dist/) is compiled without
// it, and the service serves this file instead of building the document.
const { existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const ts = require('typescript');
const swaggerPlugin = require('@nestjs/swagger/plugin');

const root = join(__dirname, '..');
const scratch = join(root, 'dist', '.openapi-build');
const output = join(root, 'dist', 'openapi.json');

/** DTO files: the plugin documents their classes; controllers are documented with @ApiDocs. */
const PLUGIN_OPTIONS = {
  dtoFileNameSuffix: ['.dto.ts', '-queries.ts'],
  controllerFileNameSuffix: [],
  introspectComments: true,
  classValidatorShim: true,
};

function compileWithPlugin() {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  const options = { ...config.options, outDir: scratch, incremental: false, sourceMap: false, noEmitOnError: true };
  delete options.tsBuildInfoFile;
  const program = ts.createProgram(config.fileNames, options);
  const result = program.emit(undefined, undefined, undefined, false, {
    before: [swaggerPlugin.before(PLUGIN_OPTIONS, program)],
  });
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (errors.length > 0) {
    throw new Error(
      ts.formatDiagnostics(errors, { ...ts.sys, getCanonicalFileName: (f) => f, getNewLine: () => '\n' }),
    );
  }
}

async function main() {
  rmSync(scratch, { recursive: true, force: true });
  try {
    compileWithPlugin();
    const { buildOpenApiDocument } = require(join(scratch, 'openapi.js'));
    const document = await buildOpenApiDocument();
    if (!existsSync(join(root, 'dist'))) mkdirSync(join(root, 'dist'));
    writeFileSync(output, `${JSON.stringify(document, null, 2)}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`build-openapi: ${error.stack ?? error}\n`);
  process.exit(1);
});
