// Part of `npm run build`: copies GraphiQL's page assets into dist/graphiql, where the server serves them
// (src/http/graphiql/graphiql.ts): the prebuilt browser bundles shipped inside the npm packages of GraphiQL, React
// 18 (GraphiQL's UMD bundle needs React's UMD globals, which React 19 no longer ships) and graphql-ws, and our start
// script. Copied rather than read from node_modules at run time, so that a production install without dev
// dependencies serves them too.
const { copyFileSync, mkdirSync, readFileSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const target = path.join(root, "dist", "graphiql");

/** A file inside an installed package, found where Node finds the package (its exports map hides the UMD files). */
const inPackage = (name, file) =>
  path.join(path.dirname(require.resolve(`${name}/package.json`, { paths: [root] })), file);

/** Served name -> the file it is. */
const ASSETS = {
  "react.production.min.js": inPackage("react", "umd/react.production.min.js"),
  "react-dom.production.min.js": inPackage("react-dom", "umd/react-dom.production.min.js"),
  "graphql-ws.min.js": inPackage("graphql-ws", "umd/graphql-ws.min.js"),
  "graphiql.min.js": inPackage("graphiql", "graphiql.min.js"),
  "graphiql.min.css": inPackage("graphiql", "graphiql.min.css"),
  "graphiql-start.js": path.join(root, "src", "http", "graphiql", "graphiql-start.js"),
};

mkdirSync(target, { recursive: true });
for (const [name, file] of Object.entries(ASSETS)) {
  if (name !== "graphiql.min.js") {
    copyFileSync(file, path.join(target, name));
    continue;
  }
  // Its source map is not shipped with it: without the comment naming it, a browser's devtools ask for no missing file.
  const text = readFileSync(file, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  writeFileSync(path.join(target, name), text);
}
process.stdout.write(`copied GraphiQL's assets to ${path.relative(root, target)}\n`);
