// GraphQL operation names are chosen by clients, so as metric labels they must be bounded: each distinct value is
// a time series kept forever by the process and by Prometheus. The first MAX_NAMES names that authenticated callers
// use in valid operations get a series of their own (frontends have a few dozen); any later name, and a name from an
// unauthenticated or invalid request that has no series yet, is counted as "other"; unnamed operations as
// "anonymous". Requiring a key keeps an anonymous client from filling the slots with junk.

const MAX_NAMES = 100;
/** GraphQL names have no length limit; one longer than this is not one a frontend wrote by hand. */
const MAX_NAME_LENGTH = 64;

export class OperationNames {
  private readonly known = new Set<string>();

  /** The label for an operation name; `mayAdd`: whether this request may claim a new slot. */
  label(name: string | undefined, mayAdd: boolean): string {
    if (name === undefined || name === "") return "anonymous";
    if (this.known.has(name)) return name;
    if (!mayAdd || this.known.size >= MAX_NAMES || name.length > MAX_NAME_LENGTH) return "other";
    this.known.add(name);
    return name;
  }
}
