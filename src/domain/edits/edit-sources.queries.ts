import type { GenerationSource } from "../../generated/prisma/client";
import type { Db, Tx } from "../db";
import type { InputFidelity } from "../enums";
import type { EditSources } from "./resolve-edit";

/**
 * Records an edit's sources (and its input fidelity) beside its generation, in one statement: an image of a stored
 * generation by its generation and index, an upload by what identifies it (sha256, size, type, dimensions).
 */
export async function recordEditSources(
  db: Db | Tx,
  generationId: string,
  sources: EditSources,
  inputFidelity: InputFidelity | null,
): Promise<void> {
  const all = sources.mask === null ? sources.images : [...sources.images, sources.mask];
  const column = <T>(pick: (source: (typeof all)[number]) => T) => all.map(pick);
  await db.$executeRaw`
    WITH fidelity AS (
      UPDATE image_generations SET input_fidelity = ${inputFidelity}
       WHERE id = ${generationId}::uuid AND ${inputFidelity}::text IS NOT NULL)
    INSERT INTO generation_sources (generation_id, role, position, source_generation_id, source_index, sha256,
                                    size_bytes, content_type, width, height)
    SELECT ${generationId}::uuid, s.*
      FROM unnest(${column((s) => s.role)}::text[], ${column((s) => s.position)}::integer[],
                  ${column((s) => s.generationId)}::uuid[], ${column((s) => s.index)}::integer[],
                  ${column((s) => s.sha256)}::text[], ${column((s) => s.bytes.length)}::integer[],
                  ${column((s) => s.contentType)}::text[], ${column((s) => s.width)}::integer[],
                  ${column((s) => s.height)}::integer[]) AS s`;
}

/** The sources of each generation, images in order then the mask; none for a generation from a prompt alone. */
export async function sourcesOfGenerations(db: Db, generationIds: readonly string[]): Promise<GenerationSource[][]> {
  const rows = await db.generationSource.findMany({
    where: { generationId: { in: [...generationIds] } },
    orderBy: [{ generationId: "asc" }, { role: "asc" }, { position: "asc" }],
  });
  const byGeneration = new Map<string, GenerationSource[]>(generationIds.map((id) => [id, []]));
  for (const row of rows) byGeneration.get(row.generationId)?.push(row);
  return generationIds.map((id) => byGeneration.get(id)!);
}
