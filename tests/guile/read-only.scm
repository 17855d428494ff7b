;;; Guile merely reading files, for side-by-side benchmarks: every top-level
;;; datum of each file named on the command line is read with Guile's reader,
;;; extended exactly as (guix gexp) extends it, and dropped.
;;;
;;; Usage: guile --no-auto-compile -s read-only.scm FILE...

(use-modules (ice-9 match))

(define (read-gexp chr port)
  `(gexp ,(read port)))

(define* (read-ungexp chr port #:optional native?)
  (define unquote-symbol
    (match (peek-char port)
      (#\@
       (read-char port)
       (if native? 'ungexp-native-splicing 'ungexp-splicing))
      (_
       (if native? 'ungexp-native 'ungexp))))
  (match (read port)
    ((? symbol? symbol)
     (let ((str (symbol->string symbol)))
       (match (string-index-right str #\:)
         (#f `(,unquote-symbol ,symbol))
         (colon
          `(,unquote-symbol ,(string->symbol (substring str 0 colon))
                            ,(substring str (+ colon 1)))))))
    (x `(,unquote-symbol ,x))))

(read-hash-extend #\~ read-gexp)
(read-hash-extend #\$ read-ungexp)
(read-hash-extend #\+ (lambda (chr port) (read-ungexp chr port #t)))

(define (read-file file)
  (call-with-input-file file
    (lambda (port)
      (set-port-encoding! port "UTF-8")
      (let loop ()
        (unless (eof-object? (read port))
          (loop))))))

(for-each read-file (cdr (command-line)))
