// Uploads, by the GraphQL multipart request spec (github.com/jaydenseric/graphql-multipart-request-spec): the
// operation as JSON with null where each file goes, a map from each file's part to where it goes, then the files.

/** Whether a value is a file to upload: a Blob (a File is one), in browsers and in Node alike. */
function isFile(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

/** The variables with each file replaced by null, and the files with their paths ("variables.input.images.0.upload"). */
export function extractFiles(variables: unknown): { clone: unknown; files: Array<{ path: string; file: Blob }> } {
  const files: Array<{ path: string; file: Blob }> = [];
  const walk = (value: unknown, path: string): unknown => {
    if (isFile(value)) {
      files.push({ path, file: value });
      return null;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, `${path}.${index}`));
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, `${path}.${key}`)]));
    }
    return value;
  };
  return { clone: walk(variables, "variables"), files };
}

/** The multipart body for an operation whose variables hold files. */
export function multipartBody(
  operation: { query: string; operationName?: string; variables: unknown },
  files: Array<{ path: string; file: Blob }>,
): FormData {
  const form = new FormData();
  form.append("operations", JSON.stringify(operation));
  form.append("map", JSON.stringify(Object.fromEntries(files.map(({ path }, index) => [String(index), [path]]))));
  files.forEach(({ file }, index) => {
    const name = typeof (file as { name?: unknown }).name === "string" ? (file as File).name : `upload-${index}`;
    form.append(String(index), file, name);
  });
  return form;
}
