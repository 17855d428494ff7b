;;; Oracle for the Python tests: read annotations on standard input, print
;;; what (guixml ml) says of each, one line per datum.
;;;
;;; Usage: guile -L channel tests/guile/ml-oracle.scm < DATA
;;;
;;; Each datum is a conformance vector, (vector (properties ALIST) ...), or a
;;; bare properties alist.  Each output line is
;;;   (result (problems (CODE KEY) ...) (verdicts (POLICY VERDICT CLASS (REASON ...)) ...))
;;; (an annotation with problems gets its fail-closed verdicts).

(use-modules (guixml ml)
             (ice-9 match))

(define (properties-of datum)
  (match datum
    (('vector fields ...)
     (match (assq 'properties fields)
       (('properties alist) alist)))
    (alist alist)))

(define (result alist)
  (let ((problems (ml-properties-problems alist)))
    `(result
      (problems ,@(map (lambda (problem)
                         (list (ml-problem-code problem)
                               (or (ml-problem-key problem) 'none)))
                       problems))
      (verdicts ,@(map (lambda (verdict)
                         (list (ml-verdict-policy verdict)
                               (ml-verdict-verdict verdict)
                               (ml-verdict-class verdict)
                               (ml-verdict-reasons verdict)))
                       (ml-policy-verdicts alist))))))

(let loop ()
  (let ((datum (read)))
    (unless (eof-object? datum)
      (write (result (properties-of datum)))
      (newline)
      (loop))))
