/**
 * Computation reuse in the OCR pipeline (FoggyCache / Potluck on a real stream): a whole frame's lines reused for a
 * near-duplicate frame, and a text line's recognition reused for a line crop near a stored one, each decided by the
 * reuse module's A-LSH lookup and calibrated H-kNN vote ({@link io.edgewise.reuse.ReuseCache}). The features are
 * small standardised grey thumbnails, computed in Java in well under a millisecond: cheaper than any tap inside the
 * detector or recogniser, which would first have to run the model up to that tap.
 */
package io.edgewise.apps.ocr.reuse;
