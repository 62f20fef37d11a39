import { Field, ObjectType } from "type-graphql";
import type { ClassType } from "type-graphql";
import type { Page } from "../domain/pagination";

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Connection<TNode> {
  edges: { cursor: string; node: TNode }[];
  pageInfo: PageInfo;
}

/** A Relay connection type for one node type (e.g. GenerationConnection). */
export function ConnectionType<TNode extends object>(name: string, node: ClassType<TNode>) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: TNode;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass implements Connection<TNode> {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionClass;
}

/** Maps a domain page to a connection; every item carries its own cursor. */
export function toConnection<TItem, TNode>(
  page: Page<TItem>,
  map: (item: TItem) => TNode,
  cursorOf: (item: TItem) => string,
): Connection<TNode> {
  return {
    edges: page.items.map((item) => ({ cursor: cursorOf(item), node: map(item) })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}
