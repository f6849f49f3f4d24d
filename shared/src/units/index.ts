export { ucumOfToken } from './mdc-units.js';
export { convertUcum, ucumCodeOf } from './ucum.js';
export { unitLabel } from './labels.js';
