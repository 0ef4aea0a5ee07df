/**
 * Item records as plugins see them: the bindings' records with 64-bit sizes turned into plain numbers.
 * @module
 */

/**
 * @typedef {object} Provenance
 * @property {string} sourceUrl the page or API URL the item was found at
 * @property {string | undefined} [licence] short name or SPDX id
 * @property {string | undefined} [licenceUrl]
 * @property {string | undefined} [author]
 * @property {string | undefined} [authorUrl]
 */

/**
 * @typedef {object} FileInfo
 * @property {string} name name within the item ("thumbnail.jpeg")
 * @property {string} mediaType
 * @property {number} size bytes
 * @property {string} sha256 lowercase hex SHA-256 of the bytes
 */

/**
 * @typedef {object} Item
 * @property {string} id stable id derived from the source key
 * @property {string} sourceKey the key the crawler chose
 * @property {string | undefined} [category]
 * @property {string | undefined} [title]
 * @property {Provenance} provenance
 * @property {string} metadata a JSON object as text
 * @property {FileInfo[]} files
 * @property {string | undefined} [parent] the id of the item this one was derived from
 */

/**
 * The item record with file sizes as numbers.
 * @param {any} item the binding's record
 * @returns {Item}
 */
export function fromRaw(item) {
  return { ...item, files: item.files.map((/** @type {any} */ f) => ({ ...f, size: Number(f.size) })) };
}
