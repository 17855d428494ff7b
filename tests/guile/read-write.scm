;;; Reference reader for guixml's conformance tests: read every top-level
;;; datum of each file named on the command line with Guile's own reader,
;;; extended exactly as (guix gexp) extends it, and 'write' each one on a
;;; line of its own.  Run with LC_ALL=C.UTF-8.
;;;
;;; Usage: guile --no-auto-compile -s read-write.scm FILE...
;;;        guile --no-auto-compile -s read-write.scm --each FILE...
;;; (--each: go on after a file Guile cannot read, ending each file's output
;;; with a line "#<end>" or "#<error>").

(use-modules (ice-9 match))
(load "gexp-reader.scm")

(define (dump-file file)
  (call-with-input-file file
    (lambda (port)
      (set-port-encoding! port "UTF-8")
      (let loop ()
        (let ((datum (read port)))
          (unless (eof-object? datum)
            (write datum)
            (newline)
            (loop)))))))

(define (dump-file/status file)
  ;; For differential tests: after each file, a line "#<end>", or "#<error>"
  ;; when Guile cannot read it (then the lines before belong to no datum).
  (catch #t
    (lambda ()
      (dump-file file)
      (display "#<end>\n"))
    (lambda _
      (display "#<error>\n"))))

(match (cdr (command-line))
  (("--each" files ...) (for-each dump-file/status files))
  (files (for-each dump-file files)))
