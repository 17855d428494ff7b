;;; Guile merely reading files, for side-by-side benchmarks: every top-level
;;; datum of each file named on the command line is read with Guile's reader,
;;; extended exactly as (guix gexp) extends it, and dropped.
;;;
;;; Usage: guile --no-auto-compile -s read-only.scm FILE...

(use-modules (ice-9 match))
(load "gexp-reader.scm")

(define (read-file file)
  (call-with-input-file file
    (lambda (port)
      (set-port-encoding! port "UTF-8")
      (let loop ()
        (unless (eof-object? (read port))
          (loop))))))

(for-each read-file (cdr (command-line)))
