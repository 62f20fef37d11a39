// The most input image tokens one source image of an edit can cost, held before the call. OpenAI's images and vision
// guide (developers.openai.com/api/docs/guides/images-vision, "GPT Image 1", checked 2026-12-04): the image is scaled
// to fit in 2048x2048, then down so that its shortest side is 512px, and counted in 512px tiles; "when input fidelity
// is set to low, the base cost is 65 image tokens, and each tile costs 129 image tokens"; with high input fidelity
// "if your image is square, we add 4160 extra input image tokens; if it is closer to portrait or landscape, we add
// 6240". OpenAI publishes no other formula for the later GPT image models, which keep input images at high fidelity
// themselves (catalog: alwaysHighFidelity), so they are held at the same count with high fidelity.

const FIT_SIDE = 2048;
const SHORT_SIDE = 512;
const TILE = 512;
const BASE_TOKENS = 65;
const TILE_TOKENS = 129;
const HIGH_FIDELITY_SQUARE_TOKENS = 4160;
const HIGH_FIDELITY_OTHER_TOKENS = 6240;
/**
 * Beside the image tokens, the edits endpoint bills a few text tokens per image that no page documents (32 were
 * measured on gpt-image-1: community.openai.com/t/1281361). Held as image tokens, whose rate is above the text rate
 * for every model, at twice the measured figure.
 */
export const PER_IMAGE_OVERHEAD_TOKENS = 64;

/** Tokens for one image of these dimensions, rounding every scaled side up (so never below what OpenAI counts). */
export function maxImageInputTokens(width: number, height: number, highFidelity: boolean): number {
  let w = width;
  let h = height;
  const fit = Math.max(w, h) / FIT_SIDE;
  if (fit > 1) {
    w = Math.ceil(w / fit);
    h = Math.ceil(h / fit);
  }
  const shrink = Math.min(w, h) / SHORT_SIDE;
  if (shrink > 1) {
    w = Math.ceil(w / shrink);
    h = Math.ceil(h / shrink);
  }
  const tiles = Math.ceil(w / TILE) * Math.ceil(h / TILE);
  const fidelity = !highFidelity ? 0 : width === height ? HIGH_FIDELITY_SQUARE_TOKENS : HIGH_FIDELITY_OTHER_TOKENS;
  return BASE_TOKENS + TILE_TOKENS * tiles + fidelity + PER_IMAGE_OVERHEAD_TOKENS;
}
