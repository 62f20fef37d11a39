import { useCallback, useEffect, useRef, useState } from "react";
import { ApiErrors, request, type TypedDocumentNode } from "../api/client";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiErrors | undefined;
  loading: boolean;
  /**
   * Whether `data` answers the variables asked for now: after a change, the previous answer stays until the new one
   * comes, which a page showing it under the new variables' headings must not do.
   */
  current: boolean;
  reload(): void;
}

/** Runs a query when mounted and whenever its variables change (compared as JSON); the last answer wins. */
export function useQuery<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
  skip = false,
): Loaded<TData> {
  const [state, setState] = useState<{ data?: TData; error?: ApiErrors; loading: boolean; key?: string }>({
    loading: !skip,
  });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(variables ?? {});
  useEffect(() => {
    if (skip) return;
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    request(document, JSON.parse(key) as TVariables).then(
      (data) => current && setState({ data, loading: false, key }),
      (error: unknown) => current && setState({ error: asApiErrors(error), loading: false, key }),
    );
    return () => {
      current = false;
    };
  }, [document, key, generation, skip]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, current: state.key === key, reload };
}

export function asApiErrors(error: unknown): ApiErrors {
  if (error instanceof ApiErrors) return error;
  return new ApiErrors([]);
}

/** A failure as one sentence for the page. */
export function messageOf(error: unknown): string {
  const errors = asApiErrors(error);
  return errors.message === "" ? "The request failed" : errors.message;
}

export interface Submission<TData> {
  submit(): Promise<TData | undefined>;
  /** Messages by input field; "" holds those naming none. */
  errors: Record<string, string>;
  busy: boolean;
  result: TData | undefined;
}

/** A form's mutation: field-named errors from the API land on the fields; the last result is kept. */
export function useSubmit<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: () => TVariables,
  onDone?: (data: TData) => void,
): Submission<TData> {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TData>();
  const latest = useRef({ variables, onDone });
  latest.current = { variables, onDone };
  const submit = useCallback(async () => {
    setBusy(true);
    setErrors({});
    try {
      const data = await request(document, latest.current.variables());
      setResult(data);
      latest.current.onDone?.(data);
      return data;
    } catch (error) {
      setErrors(asApiErrors(error).byField());
      return undefined;
    } finally {
      setBusy(false);
    }
  }, [document]);
  return { submit, errors, busy, result };
}

interface Connection<TNode> {
  edges: { cursor: string; node: TNode }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export interface Page<TNode> extends Loaded<unknown> {
  nodes: TNode[];
  pageNumber: number;
  hasNext: boolean;
  hasPrevious: boolean;
  next(): void;
  previous(): void;
}

export const PAGE_SIZE = 20;

/**
 * One page of a Relay connection (first/after), with the cursors of the pages before it kept so that Previous
 * goes back. A change of the other variables starts again at the first page.
 */
export function usePaged<TData, TVariables extends { first?: number | null; after?: string | null }, TNode>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: Omit<TVariables, "first" | "after">,
  connectionOf: (data: TData) => Connection<TNode>,
  pageSize = PAGE_SIZE,
): Page<TNode> {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const key = JSON.stringify(variables);
  useEffect(() => setCursors([null]), [key]);
  const after = cursors[cursors.length - 1] ?? null;
  const loaded = useQuery(document, { ...variables, first: pageSize, after } as unknown as TVariables);
  const connection = loaded.data === undefined ? undefined : connectionOf(loaded.data);
  return {
    ...loaded,
    nodes: connection?.edges.map((edge) => edge.node) ?? [],
    pageNumber: cursors.length,
    hasNext: connection?.pageInfo.hasNextPage ?? false,
    hasPrevious: cursors.length > 1,
    next: () => {
      const end = connection?.pageInfo.endCursor;
      if (end !== undefined && end !== null) setCursors((list) => [...list, end]);
    },
    previous: () => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list)),
  };
}

/** A form's values, one state for all its inputs. */
export function useFields<T extends Record<string, string | boolean>>(initial: T) {
  const [values, setValues] = useState(initial);
  const set = useCallback(<K extends keyof T>(name: K, value: T[K]) => setValues((v) => ({ ...v, [name]: value })), []);
  const reset = useCallback(() => setValues(initial), [initial]);
  return { values, set, reset };
}

/** "" is no value: the argument is left out (null). */
export const orNull = (value: string): string | null => (value.trim() === "" ? null : value.trim());
