// Passphrase strength, from zxcvbn with Spanish and English dictionaries.
import { zxcvbn, zxcvbnOptions } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as en from "@zxcvbn-ts/language-en";
import * as es from "@zxcvbn-ts/language-es-es";

zxcvbnOptions.setOptions({
  graphs: common.adjacencyGraphs,
  dictionary: { ...common.dictionary, ...en.dictionary, ...es.dictionary },
});

/** A score from 0 (very weak) to 4 (very strong). */
export function strength(passphrase: string): 0 | 1 | 2 | 3 | 4 {
  if (!passphrase) return 0;
  return zxcvbn(passphrase).score;
}
