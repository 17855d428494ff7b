;;; Which characters Guile 3.0's string->number takes as decimal digits, and
;;; their values: for every code point, one tab-separated line where either
;;; test holds:
;;;   CODE  VALUE-IN-AN-INTEGER  VALUE-AFTER-A-POINT
;;; (a value, or "-"), from (string->number "1c") and (string->number ".c").
;;; libguile/numbers.c reads the digits after an integer's first with
;;; uc_decimal_value, and those after a point or in an exponent with
;;; uc_is_property_decimal_digit and uc_numeric_value (libunistring).
;;; guixml/data/guile-digits.csv is derived from this output:
;;;   LC_ALL=C.UTF-8 guile --no-auto-compile -s digits.scm

(define (digit-value result offset scale)
  (and (number? result) (exact? (inexact->exact result))
       (let ((v (- (inexact->exact (round (* result scale))) offset)))
         (and (<= 0 v 9) v))))

(let loop ((code 0))
  (when (< code #x110000)
    (unless (<= #xD800 code #xDFFF)
      (let* ((c (integer->char code))
             (in-integer (let ((r (string->number (string #\1 c))))
                           (and (exact-integer? r) (digit-value r 10 1))))
             (after-point (let ((r (string->number (string #\. c))))
                            (and (real? r) (digit-value r 0 10)))))
        (when (or in-integer after-point)
          (display code) (display "\t")
          (display (or in-integer "-")) (display "\t")
          (display (or after-point "-")) (newline))))
    (loop (1+ code))))
