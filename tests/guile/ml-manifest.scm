;;; SRFI-64 tests of (guixml manifest) without Guix: the closure walk and the
;;; policy filter on a graph of properties alists.
;;;
;;; Usage: guile -L channel tests/guile/ml-manifest.scm

(use-modules (guixml manifest)
             (srfi srfi-26)
             (guixml ml)
             (srfi srfi-64)
             (ice-9 exceptions)
             (ice-9 match))

;; A little graph: engine -> (lib, net-nc), tool -> (lib), net-free.
(define net-nc '((name . "net-nc") (ml-weights . model)
                 (ml-weights-license . "CC-BY-NC-4.0")))
(define net-free '((name . "net-free") (ml-weights . model)
                   (ml-weights-license . "Apache-2.0")
                   (ml-training-software . packaged)
                   (ml-training-data . free)
                   (ml-reproducibility . rebuilt)))
(define lib '((name . "lib")))
(define engine '((name . "engine") (ml-weights . separate)
                 (ml-weight-inputs "net-nc")))
(define tool '((name . "tool")))

(define graph
  `((,engine ,lib ,net-nc)
    (,tool ,lib)))

(define (dependencies node)
  (or (assq-ref graph node) '()))

(define (names nodes)
  (map (cut assq-ref <> 'name) nodes))

(define (filtered . options)
  (names (apply ml-policy-filter (list engine tool net-free net-nc)
                #:dependencies dependencies options)))

(test-begin "guixml-manifest")

(test-equal "closure rejections, root first"
  '("net-nc")
  (names (map car (ml-closure-rejections 'guix-2023 engine
                                         #:dependencies dependencies))))

(test-equal "closure rejections include the root"
  '(reject)
  (map (compose ml-verdict-verdict cdr)
       (ml-closure-rejections 'debian net-nc #:dependencies dependencies)))

(test-equal "review verdicts on request"
  '("engine" "net-nc")
  (names (map car (ml-closure-rejections 'guix-2023 engine
                                         #:dependencies dependencies
                                         #:refuse '(reject review)))))

(test-equal "an accepted closure has no rejection"
  '()
  (ml-closure-rejections 'osaid tool #:dependencies dependencies))

(test-equal "drop" '("tool" "net-free") (filtered #:policy 'guix-2023))
(test-equal "policy #f accepts everything"
  '("engine" "tool" "net-free" "net-nc")
  (filtered #:policy #f))
(test-equal "escape hatch"
  '("engine" "tool" "net-free" "net-nc")
  (filtered #:policy 'osaid
            #:allow? (lambda (node) (eq? node net-nc))))
(test-equal "refusing review too"
  '("tool" "net-free")
  (filtered #:policy 'gcd-008 #:refuse '(reject review)))

(test-equal "error action names root and offender"
  '(debian (("engine" "net-nc") ("net-nc" "net-nc")))
  (with-exception-handler
      (lambda (exception)
        (list (ml-policy-refusal-policy exception)
              (map (match-lambda
                     ((root node . _) (names (list root node))))
                   (ml-policy-refusal-offenders exception))))
    (lambda ()
      (filtered #:policy 'debian #:action 'error))
    #:unwind? #t
    #:unwind-for-type &ml-policy-refusal))

(test-equal "error action returns the packages when all pass"
  '("tool")
  (names (ml-policy-filter (list tool) #:dependencies dependencies
                           #:action 'error)))

(test-equal "without Guix, nodes have no package dependencies"
  '()
  (ml-package-dependencies engine))

(define failures (test-runner-fail-count (test-runner-current)))
(test-end "guixml-manifest")
(exit (zero? failures))
