;;; Guix's reader extensions for gexps, exactly as (guix gexp) installs them:
;;; #~x is (gexp x), #$x is (ungexp x), #$x:out is (ungexp x "out") (split at
;;; the last colon), #$@x is (ungexp-splicing x), #+x and #+@x their native
;;; twins.  Loaded by the reference scripts beside this file.

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
