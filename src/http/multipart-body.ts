import type { IncomingMessage, ServerResponse } from "node:http";
import { processRequest } from "graphql-upload-minimal";

// GraphQL multipart requests (github.com/jaydenseric/graphql-multipart-request-spec): the `operations` and `map`
// fields, then the files, parsed by graphql-upload-minimal as they stream in. Each Upload in the operations resolves
// to its file's stream, which the edit reads under its own caps (src/domain/edits); here the request as a whole is
// bounded: a Content-Length is required and may not pass the total, and the number and size of files are capped
// by the parser, which stops reading a file at its cap.

export interface UploadLimits {
  /** One file: the largest any model takes (OpenAI's 50 MB). */
  maxFileBytes: number;
  /** Files in one request: 16 images and a mask. */
  maxFiles: number;
  /** The whole body (EDIT_MAX_TOTAL_BYTES and room for the operations). */
  maxBodyBytes: number;
}

/** The operations' and map's fields: JSON, 1 MiB each at most (as a JSON body). */
const MAX_FIELD_BYTES = 1024 * 1024;

export function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? "").trim().toLowerCase().startsWith("multipart/form-data");
}

/**
 * Apollo's CSRF prevention lets a multipart request (a "simple" request a browser sends cross-site without asking)
 * through only with a header that forces a preflight: it refuses the others itself, before any operation runs. They
 * are not read at all here, so a refused request costs no upload.
 */
export function carriesPreflightHeader(request: IncomingMessage): boolean {
  const { headers } = request;
  return [headers["apollo-require-preflight"], headers["x-apollo-operation-name"]].some(
    (value) => typeof value === "string" && value !== "",
  );
}

export async function readMultipartBody(
  request: IncomingMessage,
  response: ServerResponse,
  limits: UploadLimits,
): Promise<unknown> {
  const declared = request.headers["content-length"];
  if (declared === undefined) {
    throw Object.assign(new Error("a multipart request needs a Content-Length"), { status: 411 });
  }
  if (Number(declared) > limits.maxBodyBytes) {
    throw Object.assign(new Error("the multipart body is too large"), { status: 413 });
  }
  return processRequest(request, response, {
    maxFieldSize: MAX_FIELD_BYTES,
    // One byte past the cap, so that a file at the cap is read whole and one past it is found too large by the edit.
    maxFileSize: limits.maxFileBytes + 1,
    maxFiles: limits.maxFiles,
  });
}
