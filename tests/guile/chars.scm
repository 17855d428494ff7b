;;; How Guile 3.0 writes each character: for every code point read from
;;; standard input (one decimal number per line), print a tab-separated line:
;;;   CODE  (write (string c))  (write c)  (write 'c)  (write 'ac)
;;; guixml's writer tables (guixml/data/guile-chars.csv) are derived from
;;; this output and the writer tests compare against it.  Run with
;;; LC_ALL=C.UTF-8:
;;;   guile --no-auto-compile -s chars.scm < codes.txt

(use-modules (ice-9 rdelim))

(define (show code)
  (let ((ch (integer->char code)))
    (write code) (display "\t")
    (write (string ch)) (display "\t")
    (write ch) (display "\t")
    (write (string->symbol (string ch))) (display "\t")
    (write (string->symbol (string #\a ch)))
    (newline)))

(let loop ()
  (let ((line (read-line)))
    (unless (eof-object? line)
      (show (string->number line))
      (loop))))
